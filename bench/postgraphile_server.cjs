// PostGraphile 5 over a casetrail database, for bench/scale.py: the Amber preset (its
// recommended defaults), one Node process, no GraphiQL, no explain, no schema watching.
//
//     NODE_PATH=<node_modules> node bench/postgraphile_server.cjs <connection string> <port>
//
// Prints "ready" on stdout once it listens on 127.0.0.1:<port>/graphql.
"use strict";

const http = require("node:http");
const { postgraphile } = require("postgraphile");
const { PostGraphileAmberPreset } = require("postgraphile/presets/amber");
const { makePgService } = require("postgraphile/adaptors/pg");
const { grafserv } = require("postgraphile/grafserv/node");

const [connectionString, port] = process.argv.slice(2);

const preset = {
  extends: [PostGraphileAmberPreset],
  pgServices: [
    makePgService({
      connectionString,
      schemas: ["public"],
      // As many connections as the load has concurrent requests, and no LISTEN connection.
      poolConfig: { max: 8 },
      pubsub: false,
    }),
  ],
  grafserv: { graphqlPath: "/graphql", graphiql: false, watch: false },
  grafast: { explain: false },
};

async function main() {
  const pgl = postgraphile(preset);
  const serv = pgl.createServ(grafserv);
  const server = http.createServer();
  server.keepAliveTimeout = 65_000;
  await serv.addTo(server, false);
  server.listen(Number(port), "127.0.0.1", () => {
    process.stdout.write("ready\n");
  });
  const stop = () => {
    server.close();
    pgl.release().finally(() => process.exit(0));
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

main().catch((error) => {
  process.stderr.write(`${error && error.stack ? error.stack : error}\n`);
  process.exit(1);
});

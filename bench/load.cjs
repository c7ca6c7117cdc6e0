// One load measurement for bench/load.py: autocannon with a number of connections, each
// sending the next request as soon as its last answer arrives, for a fixed time after a
// warm-up. The request bodies are taken in turn from a list. A response counts as failed
// unless its status is 200 and its body has data and no GraphQL errors.
//
//     NODE_PATH=<node_modules> node bench/load.cjs <plan.json>
//
// plan.json: {"url", "headers", "bodies": [string], "connections", "warmup", "duration",
// "timeout"} (seconds). Prints one JSON object: {"seconds", "latencies_ms": [...], "failed",
// "failures": {...}}, latencies of every response that arrived in the measured time.
"use strict";

const fs = require("node:fs");
const autocannon = require("autocannon");

const plan = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));

function answered(body) {
  return body.includes('"data"') && !body.includes('"errors"');
}

function run(duration, record) {
  let next = 0;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: plan.url,
        method: "POST",
        headers: plan.headers,
        connections: plan.connections,
        duration,
        timeout: plan.timeout,
        verifyBody: answered,
        requests: [
          {
            setupRequest: (request) => {
              request.body = plan.bodies[next % plan.bodies.length];
              next += 1;
              return request;
            },
          },
        ],
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
    if (record) {
      instance.on("response", (_client, _status, _bytes, milliseconds) => {
        record.push(milliseconds);
      });
    }
  });
}

async function main() {
  if (plan.warmup > 0) {
    await run(plan.warmup, null);
  }
  const latencies = [];
  const result = await run(plan.duration, latencies);
  const failures = {
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    mismatches: result.mismatches,
  };
  const failed = Object.values(failures).reduce((sum, n) => sum + n, 0);
  process.stdout.write(
    JSON.stringify({ seconds: result.duration, latencies_ms: latencies, failed, failures }),
  );
}

main().catch((error) => {
  process.stderr.write(`${error && error.stack ? error.stack : error}\n`);
  process.exit(1);
});

"""Strawberry types, inputs and payloads."""

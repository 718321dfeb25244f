"""The engine: durable jobs and timers as database rows, run by any number of workers."""

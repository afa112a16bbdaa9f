"""The test suites' shared kit (never shipped with the plugin): one scriptable fake Sentry with two front ends
(an in-process requests adapter and a loopback socket server) and one helper that runs the plugin's process.
See docs/design/testing.md."""

"""The plugin's version as it names itself to Sentry (sentry_client, User-Agent, the event's sdk).
It must equal plugin.spec.yaml's version; a unit test holds the two together."""

PLUGIN_VERSION = "2.1.0"
CLIENT_NAME = f"komand-sentry/{PLUGIN_VERSION}"

PLUGIN_VERSION = "2.1.0"  # plugin.spec.yaml's version (a unit test holds the two together)
CLIENT_NAME = f"komand-sentry/{PLUGIN_VERSION}"  # how the plugin names itself to Sentry: sentry_client, User-Agent, sdk

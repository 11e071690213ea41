"""The plugin host: the hook specs, `EncodingSpec`, the registry that loads plugins, and core's
own default plugin. It reports what plugins registered; it decides nothing about models.
"""

"""Our own date and time formats per language, over Django's (settings.FORMAT_MODULE_PATH)."""

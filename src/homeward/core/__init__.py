"""Settings, database engine and session scope, base model, errors."""

"""Need to know, decided in one place: the single-record check and the SQL filter for lists."""

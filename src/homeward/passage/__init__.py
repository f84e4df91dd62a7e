"""The way home: handover points, their calendar, passage plans and their approval."""

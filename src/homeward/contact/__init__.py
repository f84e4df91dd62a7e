"""The anonymous contact channel: contacts, their conversations, messages, files, replies."""

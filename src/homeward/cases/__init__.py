"""Cases: one person's way home, owned by one nation, worked through guarded stages."""

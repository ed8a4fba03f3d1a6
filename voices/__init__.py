"""Voice presets shipped with bulletin: one TOML file per voice (see README, "Voices")."""

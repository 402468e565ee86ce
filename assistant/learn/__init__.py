"""Learning the owner's taste from history and playlists, and choosing what to play from it."""

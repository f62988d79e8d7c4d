"""Hospital settlement records from social security become claims by themselves (免申即享): import, matching,
filing, the member's confirmation, and where it all stands."""

"""What the engine, messaging and the web layer share: the one domain error."""

"""WhatsApp Web (linked device): the engine process, the linked sessions, number checks, opt-out replies."""

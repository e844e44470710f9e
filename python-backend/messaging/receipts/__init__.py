"""What providers report back after a send: statuses, inbound messages and opt-outs, by webhook or by polling,
written into the ledger, the inbox and the consent list."""

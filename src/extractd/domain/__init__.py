"""Pure domain model: job statuses and transitions, error codes, templates. No I/O."""

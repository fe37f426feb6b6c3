"""Use cases both API dialects call. Repositories, blobs and the queue are passed in, never global."""

"""Task dispatch and the worker: Huey carries "job X may be ready"; the jobs table decides."""

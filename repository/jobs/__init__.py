"""Ingest jobs: the queue in the database (queue.py), and the workers that drain it (worker.py)."""

"""extractd: self-hosted document extraction (invoices, receipts, forms) behind an async job API."""

__version__ = "0.1.0"

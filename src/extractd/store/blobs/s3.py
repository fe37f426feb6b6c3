"""Blobs as objects in an S3-compatible bucket (AWS S3, MinIO, Ceph RGW, moto…), through boto3.

Credentials come the standard boto3 way (environment, shared files, instance roles); the URL names the
bucket and an optional key prefix, ``EXTRACTD_S3_ENDPOINT_URL`` another server than AWS. Every boto3 or
botocore error is translated here into our own ``BlobStoreError`` (``BlobNotFound`` for a missing key).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from extractd.store.blobs.base import BlobNotFound, BlobStoreError

# Answers that mean "no such object" (GET says NoSuchKey, HEAD only its HTTP status).
_MISSING_CODES = {"NoSuchKey", "404", "NotFound"}
CONNECT_TIMEOUT_S = 5.0
READ_TIMEOUT_S = 60.0


def parse_s3_url(url: str) -> tuple[str, str]:
    """``s3://bucket[/prefix]`` → (bucket, prefix without slashes at either end)."""
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc or parts.query or parts.fragment:
        raise BlobStoreError(f"EXTRACTD_STORAGE_URL={url!r} is not of the form s3://bucket[/prefix]")
    return parts.netloc, parts.path.strip("/")


def _client(endpoint_url: str | None) -> Any:
    try:
        import boto3
        from botocore.config import Config
    except ImportError as exc:  # boto3 is in the `scale` extra
        raise BlobStoreError(
            "S3 storage needs boto3: install extractd with the `scale` extra (pip install 'extractd[scale]')"
        ) from exc
    config = Config(
        connect_timeout=CONNECT_TIMEOUT_S,
        read_timeout=READ_TIMEOUT_S,
        retries={"max_attempts": 3, "mode": "standard"},
        # Path-style addressing for other servers: MinIO and friends rarely have per-bucket host names.
        s3={"addressing_style": "path"} if endpoint_url else {},
    )
    try:
        return boto3.session.Session().client("s3", endpoint_url=endpoint_url or None, config=config)
    except Exception as exc:  # botocore raises several types for a bad endpoint or region
        raise BlobStoreError(f"cannot set up the S3 client: {exc}") from exc


class S3BlobStore:
    def __init__(self, url: str, endpoint_url: str | None = None) -> None:
        self.url = url
        self.bucket, self.prefix = parse_s3_url(url)
        self.endpoint_url = endpoint_url
        self.client = _client(endpoint_url)

    def _key(self, key: str) -> str:
        if not key or key.startswith("/") or any(part in ("", ".", "..") for part in key.split("/")):
            raise ValueError(f"invalid blob key: {key!r}")
        return f"{self.prefix}/{key}" if self.prefix else key

    def _where(self) -> str:
        return f"s3://{self.bucket}" + (f" at {self.endpoint_url}" if self.endpoint_url else "")

    def _translate(self, exc: Exception, doing: str, key: str | None = None) -> BlobStoreError:
        from botocore.exceptions import ClientError

        if isinstance(exc, ClientError):
            error = exc.response.get("Error", {})
            code = str(error.get("Code", ""))
            if key is not None and code in _MISSING_CODES:
                return BlobNotFound(f"no blob {key}")
            message = error.get("Message") or code
            return BlobStoreError(f"cannot {doing} in {self._where()}: {code} {message}".rstrip())
        return BlobStoreError(f"cannot {doing} in {self._where()}: {exc}")

    def put(self, key: str, data: bytes) -> None:
        object_key = self._key(key)
        try:
            self.client.put_object(Bucket=self.bucket, Key=object_key, Body=data)
        except Exception as exc:
            raise self._translate(exc, f"write blob {key}") from exc

    def get(self, key: str) -> bytes:
        object_key = self._key(key)
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=object_key)
            return bytes(answer["Body"].read())
        except Exception as exc:
            raise self._translate(exc, f"read blob {key}", key) from exc

    def delete(self, key: str) -> None:
        object_key = self._key(key)
        try:
            self.client.delete_object(Bucket=self.bucket, Key=object_key)
        except Exception as exc:
            raise self._translate(exc, f"delete blob {key}") from exc

    def exists(self, key: str) -> bool:
        object_key = self._key(key)
        try:
            self.client.head_object(Bucket=self.bucket, Key=object_key)
        except Exception as exc:
            translated = self._translate(exc, f"look up blob {key}", key)
            if isinstance(translated, BlobNotFound):
                return False
            raise translated from exc
        return True

    def check(self) -> None:
        """The bucket is there and these credentials may use it (HEAD bucket)."""
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except Exception as exc:
            from botocore.exceptions import ClientError

            code = str(exc.response.get("Error", {}).get("Code", "")) if isinstance(exc, ClientError) else ""
            if code in _MISSING_CODES or code == "NoSuchBucket":
                raise BlobStoreError(f"the bucket {self.bucket!r} does not exist ({self._where()})") from exc
            if code in ("403", "AccessDenied", "Forbidden"):
                raise BlobStoreError(
                    f"access to the bucket {self.bucket!r} is denied ({self._where()}): check the credentials"
                ) from exc
            raise self._translate(exc, "reach the bucket") from exc

    def presign_put(self, key: str, expires_s: int, content_type: str | None = None) -> str:
        """A URL that lets anyone holding it PUT these bytes under ``key`` until it expires."""
        params = {"Bucket": self.bucket, "Key": self._key(key)}
        if content_type:
            params["ContentType"] = content_type
        return self._presign("put_object", params, expires_s, key)

    def presign_get(self, key: str, expires_s: int) -> str:
        """A URL that lets anyone holding it GET the blob ``key`` until it expires."""
        return self._presign("get_object", {"Bucket": self.bucket, "Key": self._key(key)}, expires_s, key)

    def _presign(self, method: str, params: dict[str, str], expires_s: int, key: str) -> str:
        try:
            return str(self.client.generate_presigned_url(method, Params=params, ExpiresIn=int(expires_s)))
        except Exception as exc:
            raise self._translate(exc, f"sign a URL for blob {key}") from exc

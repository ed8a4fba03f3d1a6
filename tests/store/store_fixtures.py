"""The S3-compatible test server (moto's server mode on localhost) and a settings file
pointing at it; importable by the tests and by the processes they start."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

_COUNT = itertools.count()


class S3Server:
    """moto's ``ThreadedMotoServer`` on 127.0.0.1, a free port: an S3-compatible HTTP
    server in this process (not AWS)."""

    def __init__(self) -> None:
        from moto.server import ThreadedMotoServer

        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"

    def environment(self) -> dict[str, str]:
        return {
            "AWS_ACCESS_KEY_ID": "bulletin-test",
            "AWS_SECRET_ACCESS_KEY": "bulletin-test-secret",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_EC2_METADATA_DISABLED": "true",  # no instance-metadata probe for credentials
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_CONFIG_FILE": os.devnull,
        }

    def new_bucket(self) -> str:
        """A new empty bucket's URL, with a prefix: ``s3://test-N/bulletin``."""
        import boto3

        name = f"test-{os.getpid()}-{next(_COUNT)}"
        client = boto3.client(
            "s3", endpoint_url=self.endpoint, region_name="us-east-1",
            aws_access_key_id="bulletin-test", aws_secret_access_key="bulletin-test-secret",
        )  # fmt: skip
        client.create_bucket(Bucket=name)
        return f"s3://{name}/bulletin"

    def stop(self) -> None:
        self._server.stop()


def store_config(path: Path, url: str, endpoint: str, extra: str = "") -> Path:
    """A bulletin.toml with espeak and ``[store]`` on the test server (short timeouts)."""
    path.write_text(
        f'voice = "ky-espeak"\n\n[store]\nurl = "{url}"\nendpoint_url = "{endpoint}"\n'
        f"timeout_s = 3\nretries = 0\n{extra}",
        encoding="utf-8",
    )
    return path

#!/usr/bin/env python3
"""Smoke-test a running `sluice serve` with boto3, as an SQS user would.

Usage: smoke.py ENDPOINT [--pid PID]

ENDPOINT is the server's base URL, for example http://127.0.0.1:9324 (or set
SLUICE_ENDPOINT). With --pid, the readiness wait stops early if that process
exits. Exits non-zero on the first failed check.
"""

import argparse
import os
import sys
import time

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError, EndpointConnectionError

READY_TIMEOUT_SECONDS = 30
ACCOUNT_ID = "000000000000"
# Query code (x-amzn-query-error) and JSON shape name of a missing queue.
MISSING_QUEUE_CODES = ("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist")


class CheckFailed(Exception):
    """A smoke check that did not hold."""


def check(condition, message):
    if not condition:
        raise CheckFailed(message)


def make_client(endpoint):
    config = Config(
        retries={"max_attempts": 1, "mode": "standard"},
        connect_timeout=5,
        read_timeout=30,
    )
    return boto3.client(
        "sqs",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="AKIDSMOKETEST",
        aws_secret_access_key="smoke-test-secret",
        config=config,
    )


def wait_until_ready(client, pid):
    """Poll ListQueues every 50 ms until it succeeds, the server exits, or 30 s pass."""
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    last_error = None
    while time.monotonic() < deadline:
        if pid is not None:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                raise CheckFailed(f"sluice (pid {pid}) exited before it responded to ListQueues")
        try:
            client.list_queues()
            return
        except (ClientError, EndpointConnectionError, ConnectionError) as error:
            last_error = error
        except Exception as error:  # botocore raises several connection error types
            last_error = error
        time.sleep(0.05)
    raise CheckFailed(f"sluice did not respond to ListQueues within {READY_TIMEOUT_SECONDS} s: {last_error}")


def check_standard_queue(client, endpoint):
    url = client.create_queue(QueueName="smoke-standard")["QueueUrl"]
    check(url == f"{endpoint}/{ACCOUNT_ID}/smoke-standard", f"CreateQueue returned {url!r}")

    sent = client.send_message(QueueUrl=url, MessageBody="hello from boto3")
    check(sent.get("MessageId"), f"SendMessage returned no MessageId: {sent}")

    received = client.receive_message(QueueUrl=url, WaitTimeSeconds=5, MaxNumberOfMessages=1)
    messages = received.get("Messages", [])
    check(len(messages) == 1, f"ReceiveMessage returned {len(messages)} messages, expected 1")
    check(messages[0]["Body"] == "hello from boto3", f"received body {messages[0]['Body']!r}")
    check(messages[0]["MessageId"] == sent["MessageId"], "received MessageId differs from the sent one")

    client.delete_message(QueueUrl=url, ReceiptHandle=messages[0]["ReceiptHandle"])
    again = client.receive_message(QueueUrl=url, WaitTimeSeconds=1)
    check(not again.get("Messages"), f"a deleted message came back: {again.get('Messages')}")


def check_fifo_queue(client):
    url = client.create_queue(QueueName="smoke.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    sequence_numbers = []
    for index in range(3):
        sent = client.send_message(
            QueueUrl=url,
            MessageBody=f"fifo {index}",
            MessageGroupId="smoke-group",
            MessageDeduplicationId=f"dedup-{index}",
        )
        check(sent.get("SequenceNumber"), f"FIFO SendMessage returned no SequenceNumber: {sent}")
        sequence_numbers.append(int(sent["SequenceNumber"]))
    check(sequence_numbers == sorted(sequence_numbers), f"SequenceNumbers do not increase: {sequence_numbers}")

    bodies = []
    deadline = time.monotonic() + 20
    while len(bodies) < 3 and time.monotonic() < deadline:
        received = client.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        for message in received.get("Messages", []):
            bodies.append(message["Body"])
            client.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    check(bodies == ["fifo 0", "fifo 1", "fifo 2"], f"FIFO messages arrived as {bodies}")


def check_missing_queue(client):
    try:
        client.get_queue_url(QueueName="smoke-missing")
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code")
        check(code in MISSING_QUEUE_CODES, f"GetQueueUrl of a missing queue failed with code {code!r}")
        check(
            isinstance(error, client.exceptions.QueueDoesNotExist),
            f"boto3 did not raise QueueDoesNotExist but {type(error).__name__}",
        )
        return
    raise CheckFailed("GetQueueUrl of a missing queue succeeded")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("endpoint", nargs="?", default=os.environ.get("SLUICE_ENDPOINT"))
    parser.add_argument("--pid", type=int, help="process id of the server, to stop waiting if it exits")
    args = parser.parse_args()
    if not args.endpoint:
        parser.error("pass the endpoint (http://127.0.0.1:PORT) or set SLUICE_ENDPOINT")
    endpoint = args.endpoint.rstrip("/")
    host = endpoint.split("://", 1)[-1].split(":", 1)[0]
    if host not in ("127.0.0.1", "localhost"):
        parser.error(f"the smoke test only talks to a local server, not {host!r}")

    client = make_client(endpoint)
    checks = [
        ("server responds", lambda: wait_until_ready(client, args.pid)),
        ("standard queue round trip", lambda: check_standard_queue(client, endpoint)),
        ("FIFO queue order", lambda: check_fifo_queue(client)),
        ("missing queue error", lambda: check_missing_queue(client)),
    ]
    passed = 0
    for name, run in checks:
        try:
            run()
        except Exception as error:  # report every kind of failure the same way
            print(f"FAIL {name}: {type(error).__name__}: {error}", file=sys.stderr)
            print(f"smoke: {passed} passed, 1 failed")
            return 1
        print(f"ok   {name}")
        passed += 1
    print(f"smoke: {passed} passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())

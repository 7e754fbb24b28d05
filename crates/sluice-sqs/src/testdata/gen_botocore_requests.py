"""Writes botocore_requests.json: SQS requests serialized by botocore itself.

Usage: python3 gen_botocore_requests.py QUERY_BOTOCORE_ROOT JSON_BOTOCORE_ROOT > botocore_requests.json

QUERY_BOTOCORE_ROOT is an unpacked botocore 1.31 wheel (SQS still on the Query
protocol), JSON_BOTOCORE_ROOT a current one (AWS JSON 1.0). The decoder tests
check that both protocols decode to the same requests.
"""
import json
import sys

def load(root):
    for name in [m for m in list(sys.modules) if m == 'botocore' or m.startswith('botocore.')]:
        del sys.modules[name]
    sys.path.insert(0, root)
    import botocore.model, botocore.serialize, botocore.utils
    sys.path.pop(0)
    model = botocore.model.ServiceModel(json.load(open(f"{root}/botocore/data/sqs/2012-11-05/service-2.json")), 'sqs')
    return botocore, model

URL = "http://localhost:9324/000000000000/orders"
ATTRS = {
    "s": {"DataType": "String", "StringValue": "caf\u00e9 & <x>"},
    "n": {"DataType": "Number.int", "StringValue": "42"},
    "b": {"DataType": "Binary", "BinaryValue": b"\x00\x01\xfe"},
}
TRACE = {"AWSTraceHeader": {"DataType": "String", "StringValue": "Root=1-5759e988-bd862e3fe1be46a994272793"}}
CASES = [
    ("CreateQueue", {"QueueName": "orders.fifo", "Attributes": {"FifoQueue": "true", "VisibilityTimeout": "60"}, "tags": {"team": "a b", "env": "dev"}}),
    ("GetQueueUrl", {"QueueName": "orders", "QueueOwnerAWSAccountId": "000000000000"}),
    ("ListQueues", {"QueueNamePrefix": "ord", "MaxResults": 10, "NextToken": "tok"}),
    ("DeleteQueue", {"QueueUrl": URL}),
    ("PurgeQueue", {"QueueUrl": URL}),
    ("GetQueueAttributes", {"QueueUrl": URL, "AttributeNames": ["All", "QueueArn"]}),
    ("SetQueueAttributes", {"QueueUrl": URL, "Attributes": {"DelaySeconds": "5", "Policy": "{\"Version\":\"2012-10-17\"}"}}),
    ("SendMessage", {"QueueUrl": URL, "MessageBody": "line1\r\nline2 + 100%", "DelaySeconds": 3,
                     "MessageAttributes": ATTRS, "MessageSystemAttributes": TRACE,
                     "MessageDeduplicationId": "dedup-1", "MessageGroupId": "group-1"}),
    ("SendMessageBatch", {"QueueUrl": URL, "Entries": [
        {"Id": "a", "MessageBody": "one"},
        {"Id": "b", "MessageBody": "two", "DelaySeconds": 1, "MessageAttributes": ATTRS, "MessageGroupId": "g"}]}),
    ("ReceiveMessage", {"QueueUrl": URL, "AttributeNames": ["All"], "MessageAttributeNames": ["s", "x.*"],
                        "MaxNumberOfMessages": 10, "VisibilityTimeout": 30, "WaitTimeSeconds": 20,
                        "ReceiveRequestAttemptId": "attempt-1"}),
    ("DeleteMessage", {"QueueUrl": URL, "ReceiptHandle": "AQEB+/=="}),
    ("DeleteMessageBatch", {"QueueUrl": URL, "Entries": [{"Id": "a", "ReceiptHandle": "r1"}, {"Id": "b", "ReceiptHandle": "r2"}]}),
    ("ChangeMessageVisibility", {"QueueUrl": URL, "ReceiptHandle": "r1", "VisibilityTimeout": 0}),
    ("ChangeMessageVisibilityBatch", {"QueueUrl": URL, "Entries": [{"Id": "a", "ReceiptHandle": "r1", "VisibilityTimeout": 45}]}),
    ("TagQueue", {"QueueUrl": URL, "Tags": {"k1": "v1", "k2": ""}}),
    ("UntagQueue", {"QueueUrl": URL, "TagKeys": ["k1", "k2"]}),
    ("ListQueueTags", {"QueueUrl": URL}),
    ("ListDeadLetterSourceQueues", {"QueueUrl": URL}),
]
out = []
QUERY_ROOT, JSON_ROOT = sys.argv[1], sys.argv[2]
for root, protocol in [(QUERY_ROOT, "query"), (JSON_ROOT, "json")]:
    botocore, model = load(root)
    assert model.metadata["protocol"] == protocol, model.metadata["protocol"]
    serializer = botocore.serialize.create_serializer(protocol)
    for op, params in CASES:
        request = serializer.serialize_to_request(params, model.operation_model(op))
        if protocol == "query":
            body = botocore.utils.percent_encode_sequence(request["body"])
            target = None
        else:
            body = request["body"].decode() if isinstance(request["body"], bytes) else request["body"]
            target = request["headers"]["X-Amz-Target"]
        out.append({"protocol": protocol, "operation": op, "target": target, "body": body})
# A JSON-only member of the current model.
botocore, model = load(JSON_ROOT)
request = botocore.serialize.create_serializer("json").serialize_to_request(
    {"QueueUrl": URL, "MessageSystemAttributeNames": ["SentTimestamp", "SenderId"]}, model.operation_model("ReceiveMessage"))
out.append({"protocol": "json", "operation": "ReceiveMessage", "target": request["headers"]["X-Amz-Target"], "body": request["body"].decode()})
json.dump(out, sys.stdout, indent=1, ensure_ascii=True)

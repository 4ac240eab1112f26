"""Sends one request per token, all at once, from one client (standard library only).

  token_flood.py SERVER CA_FILE TOKENS_FILE

Prints how many answers had each status code, one `<status> <count>` line per code.
"""
import collections
import concurrent.futures
import ssl
import sys
import urllib.error
import urllib.request

server, ca, tokens_file = sys.argv[1], sys.argv[2], sys.argv[3]
tokens = [line.strip() for line in open(tokens_file) if line.strip()]
context = ssl.create_default_context(cafile=ca)
context.check_hostname = False


def call(token):
    request = urllib.request.Request(server + "/api/v1/namespaces", headers={"Authorization": "Bearer " + token})
    try:
        with urllib.request.urlopen(request, context=context, timeout=50) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


with concurrent.futures.ThreadPoolExecutor(max_workers=len(tokens)) as pool:
    counts = collections.Counter(pool.map(call, tokens))
for status, count in sorted(counts.items()):
    print(status, count)

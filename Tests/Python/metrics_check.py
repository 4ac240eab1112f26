"""Reads a Prometheus text exposition (from /metrics) with prometheus_client's own parser and prints
the samples the observability test checks.

Usage: metrics_check.py FILE. Exits non-zero if the text does not parse.
"""
import sys

from prometheus_client.parser import text_string_to_metric_families

families = {family.name: family for family in text_string_to_metric_families(open(sys.argv[1]).read())}


def samples(family_name, suffix="", **labels):
    family = families.get(family_name)
    if family is None:
        return []
    return [s for s in family.samples if s.name == family_name + suffix and all(s.labels.get(k) == v for k, v in labels.items())]


def total(family_name, suffix="", **labels):
    return sum(s.value for s in samples(family_name, suffix, **labels))


print("types", families["apiserver_request"].type if "apiserver_request" in families else families["apiserver_request_total"].type,
      families["apiserver_request_duration_seconds"].type)
print("created configmaps", total("apiserver_request", "_total", verb="POST", resource="configmaps", code="201", scope="namespace") >= 2)
print("listed configmaps", total("apiserver_request", "_total", verb="LIST", resource="configmaps", code="200") >= 1)
print("got missing", total("apiserver_request", "_total", verb="GET", resource="configmaps", code="404", scope="resource") >= 1)
print("applied", total("apiserver_request", "_total", verb="APPLY", resource="configmaps") >= 1)
print("durations", total("apiserver_request_duration_seconds", "_count", verb="POST", resource="configmaps") >= 2,
      any(s.labels.get("le") == "0.005" for s in samples("apiserver_request_duration_seconds", "_bucket")))
print("stored configmaps", total("apiserver_storage_objects", "", resource="configmaps") >= 3)
print("inflight", sorted(s.labels["request_kind"] for s in samples("apiserver_current_inflight_requests")))
print("watchers", total("apiserver_registered_watchers", group="", version="v1", kind="ConfigMap"))
print("store", total("encstore_commit_duration_seconds", "_count") >= 3, total("encstore_commit_batch_size", "_count") >= 3,
      total("encstore_transactions", "_total") >= 3, total("encstore_revision") >= 3)
print("workqueue", total("workqueue_adds", "_total", name="deployment") >= 1, total("workqueue_work_duration_seconds", "_count", name="replicaset") >= 1,
      len(samples("workqueue_depth", name="deployment")) == 1)
print("scheduler", total("scheduler_schedule_attempts", "_total", result="unschedulable", profile="default-scheduler") >= 1,
      total("scheduler_scheduling_attempt_duration_seconds", "_count", result="unschedulable") >= 1,
      sorted(s.labels["queue"] for s in samples("scheduler_pending_pods")))
print("attestation", total("teeattest_documents", "_total", mode="dev", result="ok") >= 1, total("teeattest_document_duration_seconds", "_count", mode="dev") >= 1)
print("seal", total("sealauth_verifications", "_total", result="token.malformed", scheme="unknown") >= 1, total("sealauth_cache_lookups", "_total", result="miss") >= 1)
print("process", total("process_start_time_seconds") > 1.7e9, total("encstore_db_size_bytes") > 0)

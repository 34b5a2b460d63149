"""What the workbench is given at start so that the SCORM block runs as it does in the LMS."""

from __future__ import annotations

import json
import os
import threading
import urllib.parse

from django.apps import AppConfig

# One scenario per SCORM block the test fills: a page holding one `scorm` block each.
BLOCKS = int(os.environ.get("MUSA_WORKBENCH_BLOCKS", "8"))
# Where the events the blocks publish are kept, one JSON line each (a grade among them).
EVENTS = os.environ.get("MUSA_WORKBENCH_EVENTS")


class Host(AppConfig):
    name = "openedx_workbench"
    label = "openedx_workbench"

    def ready(self):
        from opaque_keys.edx.locator import CourseLocator
        from workbench import scenarios
        from workbench.runtime import WorkbenchRuntime

        # The workbench makes a scenario of every installed XBlock class; those ORA2 installs need the whole
        # platform. Only the SCORM blocks' pages are made.
        def scorm_scenarios():
            scenarios.SCENARIOS.clear()
            scenarios.WORKBENCH_KVS.prep_for_scenario_loading()
            for number in range(BLOCKS):
                scenarios.add_xml_scenario(f"scorm-{number}", f"SCORM {number}", "<scorm/>")
        scenarios.init_scenarios = scorm_scenarios

        # The workbench gives each block a Mock for `location`; the block names its storage folder after
        # `location.block_id`, so it is given a usage key as the LMS does.
        patch = WorkbenchRuntime._patch_xblock

        def located(runtime, block):
            patch(runtime, block)
            block_id = str(block.scope_ids.usage_id).replace(".", "-")
            block.location = CourseLocator("MuSA", "test", "run").make_usage_key(block.scope_ids.block_type, block_id)
        WorkbenchRuntime._patch_xblock = located

        # The workbench adds `?student=…` to each handler URL; the LMS's handler URLs carry no query, and the block
        # appends the package's file paths to its `assets_proxy` URL. The one learner here is the workbench's
        # default (student_1), so the query is left out.
        handler_url = WorkbenchRuntime.handler_url

        def without_student(runtime, block, handler_name, suffix="", query="", thirdparty=False):
            url = urllib.parse.urlsplit(handler_url(runtime, block, handler_name, suffix, query, thirdparty))
            kept = [(k, v) for k, v in urllib.parse.parse_qsl(url.query) if k != "student"]
            return urllib.parse.urlunsplit(url._replace(query=urllib.parse.urlencode(kept)))
        WorkbenchRuntime.handler_url = without_student

        # The workbench's runtime logs a published event as two log lines, which the threaded server's other
        # requests can come between. Each event is also kept whole, as one line of its own file.
        if EVENTS:
            publish, lock = WorkbenchRuntime.publish, threading.Lock()

            def kept(runtime, block, event_type, event_data):
                line = json.dumps({"type": event_type, "block_type": block.scope_ids.block_type,
                                   "usage_id": str(block.scope_ids.usage_id), "data": event_data}, default=repr)
                with lock, open(EVENTS, "a", encoding="utf-8") as events:
                    events.write(line + "\n")
                publish(runtime, block, event_type, event_data)
            WorkbenchRuntime.publish = kept

"""Runs cells in a real Jupyter kernel and prints what each wrote, as JSON.

stdin: {"kernel": "<kernelspec name>", "cells": ["code", ...]}; the kernelspec is found
through JUPYTER_PATH, and the kernel inherits this process's environment (ARW_...).
stdout: [{"stdout": "...", "error": "ename: evalue" | null}, ...]
Used by test/instance/cost-tracker.test.ts with the distribution's python3-ipykernel.
"""
import json
import sys

from jupyter_client.manager import start_new_kernel


def main():
    request = json.load(sys.stdin)
    manager, client = start_new_kernel(kernel_name=request["kernel"], startup_timeout=60)
    results = []
    try:
        for code in request["cells"]:
            cell = {"stdout": "", "error": None}

            def hook(message, cell=cell):
                kind, content = message["msg_type"], message["content"]
                if kind == "stream" and content.get("name") == "stdout":
                    cell["stdout"] += content["text"]
                elif kind == "error":
                    cell["error"] = f"{content['ename']}: {content['evalue']}"

            client.execute_interactive(code, output_hook=hook, timeout=60, store_history=True)
            results.append(cell)
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()

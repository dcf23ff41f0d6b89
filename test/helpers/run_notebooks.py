"""Validates notebooks with nbformat and runs them in a real Jupyter kernel with nbclient.

Input (stdin): JSON list of {"path", "kernel"}; kernel is the locally installed kernel to
run it in, or null to validate only. Output (stdout): one JSON result per notebook. An
import error (nbformat or nbclient missing) exits non-zero: the calling test fails.
"""
import json
import sys

import nbformat
from nbclient import NotebookClient

results = []
for item in json.load(sys.stdin):
    result = {"path": item["path"]}
    notebook = nbformat.read(item["path"], as_version=nbformat.NO_CONVERT)
    try:
        nbformat.validate(notebook)
        result["valid"] = True
    except nbformat.ValidationError as error:
        result["valid"] = str(error).splitlines()[0]
    result["nbformat"] = notebook.nbformat
    result["kernelspec"] = dict(notebook.metadata.get("kernelspec", {}))
    result["cells"] = [{"type": cell.get("cell_type"), "source": cell.get("source", "")} for cell in notebook.cells]
    result["storedOutputs"] = sum(len(cell.get("outputs", [])) for cell in notebook.cells if cell.get("cell_type") == "code")
    if item.get("kernel") and result["valid"] is True:
        # No network here: the data cells must say so and not fail.
        NotebookClient(notebook, kernel_name=item["kernel"], timeout=120, allow_errors=True).execute()
        result["outputs"] = [
            [{"type": out.output_type, "name": out.get("name"), "text": out.get("text", ""), "ename": out.get("ename"), "evalue": out.get("evalue")} for out in cell.outputs]
            for cell in notebook.cells
            if cell.cell_type == "code"
        ]
    results.append(result)
json.dump(results, sys.stdout)

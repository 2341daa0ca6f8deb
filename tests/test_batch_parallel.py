"""`homthu classify` across processes gives the same lines, in the same order, as one process."""

import json

from homthu.batch import classify_lines, parse_lines
from models.classifier import load_model
from models.places import PlaceFinder
from models.routing import RouteTable
from models.taxonomy import Taxonomy
from models.triage import REQUIRED_HEADS, Triage
from tests.conftest import small_sample


def test_classify_lines_in_parallel_equals_one_process(model_dir):
    taxonomy = Taxonomy.load()
    triage = Triage(load_model(model_dir, REQUIRED_HEADS), taxonomy, RouteTable.load(taxonomy),
                    places=PlaceFinder.load())
    rows = [json.dumps({"text": r["text"], "n": i}, ensure_ascii=False) for i, r in enumerate(small_sample(6))]
    rows[5] = "not json"
    rows[40] = json.dumps({"text": ""})

    def run(jobs):
        return [(ln.number, out) for ln, out in classify_lines(parse_lines(rows, False), triage, 7, jobs=jobs)]

    one, two = run(1), run(2)
    assert [n for n, _ in two] == list(range(1, len(rows) + 1))
    assert two == one
    assert "error" in two[5][1] and "error" in two[40][1]

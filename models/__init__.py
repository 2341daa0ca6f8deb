"""Inference: everything needed to turn a letter into a triage decision.

torch is imported only by the transformers backend (:mod:`models.transformer_backend`). Two
libraries would otherwise import it in every process once the ``[transformers]`` extra is installed
(seconds of start-up and hundreds of MB for a process that only segments words or serves the linear
model), so their modules that do are kept out:

- underthesea imports its optional pipelines eagerly, and ``translate`` imports transformers and
  torch; homthu translates nothing (underthesea then sets ``underthesea.translate = None``, as it
  does when transformers is absent);
- skops lists scikit-learn's estimators with ``all_estimators()``, which imports every package of
  scikit-learn, among them the array-API shim for torch tensors; homthu never gives torch tensors
  to scikit-learn (``tests/test_transformers_backend.py`` checks that importing the service, the
  CLI and the default backend imports no torch).
"""

import sys

for _module in ("underthesea.pipeline.translate", "sklearn.externals.array_api_compat.torch"):
    sys.modules.setdefault(_module, None)

"""Verification: parity with a reference tokenizer, and the checks plugins run on themselves.

- corpus.py: parity corpora (the Evil Corpus, plugins' own) read into `Case`s;
- results.py: the stages, `Mismatch`, `EncodingReport`, and what every stage compares with;
- runner.py: `run()` and `check_encoding()`, behind `llm-cost parity`;
- generated.py: hypothesis-generated texts against a live reference, and the minimiser;
- report.py: reports as text;
- reference.py: the live references (tiktoken, run offline on the plugins' vocab);
- promises.py: the scanner promises, checked on generated text;
- branches.py: a pattern read branch by branch;
- pytest_plugin.py: the checks a plugin's test suite gets from `llm_cost_core.testing`, the
  public door to all of this.
"""

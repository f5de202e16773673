VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SHARED ?= ../shared

.PHONY: setup run test bench train-ner fuzz eval clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip >/dev/null 2>&1 || true
	$(PY) -m pip install -q -e '.[test,nlp,dask]'
	touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(VENV)/bin/zhreport run corpus --out outputs

test: $(STAMP)
	$(PY) -m pytest

# Throughput, cold start, memory and the 1–1,000 document synthetic corpus (a few minutes).
bench: $(STAMP)
	$(PY) benchmarks/bench.py

fuzz: $(STAMP)
	HYPOTHESIS_PROFILE=fuzz $(PY) -m pytest tests/robustness/test_fuzz.py

# Trains models/zhreport_ner (fixed seed; not part of CI): tools/train_ner.py.
train-ner: $(STAMP)
	$(PY) tools/train_ner.py

eval: run
	$(VENV)/bin/zhreport eval --gold tests/gold --pred outputs
	@if [ -d $(SHARED)/gold ]; then \
	  out=$$(mktemp -d); $(VENV)/bin/zhreport run $(SHARED)/corpus --out $$out >/dev/null && \
	  $(VENV)/bin/zhreport eval --gold $(SHARED)/gold --pred $$out; fi

clean:
	rm -rf $(VENV) outputs/*.parquet outputs/*.csv outputs/text

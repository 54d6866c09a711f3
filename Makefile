# Museion: two commands on a fresh Debian 12 machine (as root):
#   make demo   installs everything, then serves the sample gallery on http://127.0.0.1:8080/
#   make test   installs everything, then runs lint, type check and the whole suite
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMPS := .stamps
APT_PACKAGES := python3 python3-venv python3-dev build-essential chromium ffmpeg libgl1 libglx-mesa0 libx11-6 \
	libegl1 libegl-mesa0 libgl1-mesa-dri libgles2 iproute2 fonts-dejavu-core fonts-wqy-microhei espeak-ng redis-server \
	gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad \
	gstreamer1.0-plugins-ugly gstreamer1.0-nice python3-gst-1.0 gir1.2-gst-plugins-bad-1.0
# (GStreamer: the tests' independent WHIP publisher, webrtcbin + x264, run by Debian's python3)
# (fonts-wqy-microhei: Chinese glyphs for the headless Chromium drawing the headset's zh label panel)
# The tests' emulated VR headset, Meta's WebXR runtime, installed into build/npm (never
# shipped) with npm: Debian's, unless the machine already has one (a newer Node's).
IWER := iwer@2.5.0
HOST ?= 127.0.0.1
PORT ?= 8080
# The demo's token for publishing live shows (its stage screen); set your own if public.
PUBLISH_TOKEN ?= demo
# The demo's docent token (open /docent to lead a tour); set your own if public.
DOCENT_TOKEN ?= docent

.PHONY: demo test lint typecheck pytest bench deps samples clean

deps: $(STAMPS)/apt $(STAMPS)/venv

$(STAMPS)/apt: Makefile
	@mkdir -p $(STAMPS)
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing apt packages: $$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	@touch $@

$(STAMPS)/venv: setup.cfg pyproject.toml $(STAMPS)/apt
	@mkdir -p $(STAMPS)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	@touch $@

demo: deps
	$(BIN)/museion serve assets/example.scene.json --host $(HOST) --port $(PORT) \
		--publish-token $(PUBLISH_TOKEN) --docent-token $(DOCENT_TOKEN)

samples: deps
	$(BIN)/museion samples assets

lint: deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# mypy needs the museion.* names, which setup.cfg maps onto top-level folders: give it a
# tree of links with those names.
typecheck: deps
	@mkdir -p build/typecheck/museion
	@for p in scenes runtime streaming tools; do ln -sfn ../../../$$p build/typecheck/museion/$$p; done
	cd build/typecheck && MYPYPATH=. ../../$(BIN)/mypy --config-file ../../setup.cfg \
		-p museion.scenes -p museion.runtime -p museion.streaming -p museion.tools

$(STAMPS)/npm: Makefile $(STAMPS)/apt
	@mkdir -p $(STAMPS) build/npm
	@command -v npm >/dev/null || (apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm)
	npm install --silent --no-audit --no-fund --prefix build/npm $(IWER)
	@touch $@

pytest: deps $(STAMPS)/npm
	$(BIN)/python -m pytest

test: lint typecheck pytest

bench: deps
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) $(STAMPS) build *.egg-info .pytest_cache .mypy_cache .ruff_cache

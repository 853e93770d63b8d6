# exp: build, test, demo and benchmarks. `make demo` and `make test` are the two set-up commands;
# both install the system libraries first when they are missing (apt-get, needs root or sudo);
# `make test` also the test tools (Chromium; Slurm's daemons and client with munge, which the
# Slurm tests run a private cluster with).

SWIFT ?= swift
RELEASE := $(SWIFT) build -c release
EXP := .build/release/exp
# libdlib-dev: dlib's face detector and shape predictor (C++); libdlib-data: its 68-point landmark
# model, /usr/share/dlib/shape_predictor_68_face_landmarks.dat, read at run time.
APT_PACKAGES := libopenblas-dev libsqlite3-dev libpng-dev libjpeg-dev libtiff-dev pkg-config libdlib-dev libdlib-data
DLIB_MODEL := /usr/share/dlib/shape_predictor_68_face_landmarks.dat
# Used by tests only: the HTML report is checked in headless Chromium, the Slurm executor on a
# private cluster (scripts/slurm-cluster.sh needs munged, slurmctld, slurmd and the client commands).
TEST_APT_PACKAGES := chromium slurmctld slurmd slurm-client munge
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps test-deps build test demo bench bench-ingest bench-plan bench-serve chaos fuzz clean

all: build

# Installs the system libraries that pkg-config cannot find.
deps:
	@if ! pkg-config --exists openblas libpng libtiff-4 sqlite3 dlib-1 || ! [ -f /usr/include/jpeglib.h ] \
		|| ! [ -f $(DLIB_MODEL) ]; then \
		echo "Installing system libraries: $(APT_PACKAGES)"; \
		$(SUDO) apt-get update && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y $(APT_PACKAGES); \
	fi

# What the tests need beyond the build.
test-deps: deps
	@if ! command -v chromium >/dev/null || ! [ -x /usr/sbin/slurmctld ] || ! [ -x /usr/sbin/slurmd ] \
		|| ! [ -x /usr/sbin/munged ] || ! [ -x /usr/bin/sbatch ]; then \
		echo "Installing test tools: $(TEST_APT_PACKAGES)"; \
		$(SUDO) apt-get update && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y $(TEST_APT_PACKAGES); \
	fi

build: deps
	$(RELEASE)

# Numeric tests run against release-mode code, through the public API only (no @testable). They
# are built by `swift build --build-tests`, which shares its compiled modules with `make build`
# (`swift test` building them itself would compile everything a second time, for testing).
# --no-parallel: the BLAS thread count is process-wide and the determinism tests set it, so tests
# that train must not overlap.
test: test-deps
	$(RELEASE) --build-tests
	$(SWIFT) test -c release --skip-build --no-parallel

# The demo: every job of experiments/demo.json on 2 worker processes, then its report.
demo: build
	$(EXP) run experiments/demo.json --jobs 2
	$(EXP) report --experiment demo --latest

bench: build
	$(EXP) bench engine

# What taking in Slurm tasks' messages costs the submitting host: 1,000 tasks, an epoch line each every 10 s.
bench-ingest: build
	$(EXP) bench ingest --tasks 1000 --interval 10 --seconds 60

# How close the plan exp run prints is to the run: the demo in a temporary folder, its figures beside the plan's.
bench-plan: build
	$(EXP) bench plan experiments/demo.json --jobs 2

# What exp serve costs a run: the demo (1 run) alone, then again while 50 clients poll the server.
bench-serve: build
	$(EXP) bench serve experiments/demo.json --set protocol.runs=1 --jobs 2 --clients 50

# The chaos test at full size (the suite runs 4 trials): TRIALS runs of a tiny spec interrupted at
# random moments (kill -9, SIGSTOP, write locks of up to LOCK seconds), each resumed and compared
# with an uninterrupted run in every table and file. Prints "N of N identical".
TRIALS ?= 20
SEED ?= 1
LOCK ?= 60
chaos: deps
	$(RELEASE) --build-tests
	EXP_CHAOS_TRIALS=$(TRIALS) EXP_CHAOS_SEED=$(SEED) EXP_CHAOS_LOCK_SECONDS=$(LOCK) \
		$(SWIFT) test -c release --skip-build --filter chaosRunsResume

# The fuzz test at full size (the suite runs 150 cases per format): CASES mutated PNG, JPEG, TIFF
# files and checkpoints each, read by `exp data check` in child processes. Prints the counts.
CASES ?= 2000
fuzz: deps
	$(RELEASE) --build-tests
	EXP_FUZZ_CASES=$(CASES) EXP_FUZZ_SEED=$(SEED) $(SWIFT) test -c release --skip-build --filter fuzzedImagesAndCheckpoints

clean:
	rm -rf .build

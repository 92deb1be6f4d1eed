# The two commands of the Quick start: `make demo` and `make test`. Both install what is missing
# (Debian packages), build, and run. Everything else here is a convenience for developers.
BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
JOBS       ?= $(shell nproc)
FUZZ_SECONDS ?= 20
# `make test` runs the fuzz targets briefly (a smoke run, side by side); `make fuzz-smoke` longer.
TEST_FUZZ_SECONDS ?= 5

.PHONY: all deps build build-asan test test-release test-asan demo fuzz fuzz-smoke bench format tidy clean

all: build

deps:
	@bash scripts/install-deps.sh

$(BUILD)/build.ninja: CMakeLists.txt | deps
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

$(ASAN_BUILD)/build.ninja: CMakeLists.txt | deps
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSIGNET_SANITIZE=ON

build-asan: deps $(ASAN_BUILD)/build.ninja
	cmake --build $(ASAN_BUILD) -j $(JOBS)

# ctest re-runs a failed test once: the integration tests drive real servers (rsyslog, a TSA,
# SoftHSM2) on a shared 2-core machine, and a second failure is a real one. The output shows both.
CTEST = ctest --output-on-failure -j $(JOBS) --repeat until-pass:2
SAN_ENV = ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

# The whole suite: release build, then the same suite under ASan + UBSan, then a fuzz smoke run.
test: build build-asan
	cd $(BUILD) && $(CTEST)
	cd $(ASAN_BUILD) && $(SAN_ENV) $(CTEST)
	$(MAKE) fuzz-smoke FUZZ_SECONDS=$(TEST_FUZZ_SECONDS)

test-release: build
	cd $(BUILD) && $(CTEST)

test-asan: build-asan
	cd $(ASAN_BUILD) && $(SAN_ENV) $(CTEST)

demo: build
	bash scripts/demo.sh $(BUILD)/signet

$(FUZZ_BUILD)/build.ninja: CMakeLists.txt tests/fuzz/CMakeLists.txt | deps
	CC=clang-16 CXX=clang++-16 cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DSIGNET_BUILD_FUZZ=ON

fuzz: deps $(FUZZ_BUILD)/build.ninja
	cmake --build $(FUZZ_BUILD) -j $(JOBS)

fuzz-smoke: fuzz
	bash tests/fuzz/run_smoke.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

bench: build
	bash bench/run_all.sh $(BUILD)

format:
	clang-format -i $$(git ls-files '*.cpp' '*.hpp')

tidy: build
	clang-tidy -p $(BUILD) $$(git ls-files 'src/*.cpp')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)

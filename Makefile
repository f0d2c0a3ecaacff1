# trusty-search build entry points. See README.md.
#   make build   release build -> build/trusty-search
#   make test    sanitizer build (ASan + UBSan) and every test (unit + integration), then
#                each fuzz target for 6 s (clang, build-fuzz/; fuzz/run.sh)
#   make demo    build, index a folder (DIR, default: this repo's src/), run a query (QUERY),
#                then stop the daemon that the CLI started
#   make bench   the Linux-kernel benchmarks (bench/run_kernel_bench.sh, bench/daemon_bench.py,
#                bench/graph_bench.py)
#   make format  clang-format every source file
#   bench/fuzz.sh  each fuzz target for 10^6 inputs

JOBS ?= $(shell nproc)
DIR ?= $(CURDIR)/src
QUERY ?= parse query tokens
DEMO_DATA ?= $(CURDIR)/build/demo-data

.PHONY: build test demo bench format clean

build:
	cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DTS_WERROR=ON >/dev/null
	ninja -C build -j $(JOBS) trusty-search

test:
	cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DTS_SANITIZE=ON -DTS_WERROR=ON >/dev/null
	ninja -C build-asan -j $(JOBS)
	cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS)
	bash fuzz/run.sh 6

demo: build
	./build/trusty-search --data-dir $(DEMO_DATA) index $(DIR) --name demo
	./build/trusty-search --data-dir $(DEMO_DATA) query --index demo "$(QUERY)"
	./build/trusty-search --data-dir $(DEMO_DATA) stop

bench: build
	bash bench/run_kernel_bench.sh
	python3 bench/daemon_bench.py
	python3 bench/graph_bench.py

format:
	clang-format -i $$(git ls-files '*.cc' '*.h')

clean:
	rm -rf build build-asan

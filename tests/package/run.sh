#!/bin/sh
# run.sh BUILD_DIR SRC_DIR WORK_DIR CC [FLAGS]: install BUILD_DIR into
# WORK_DIR/prefix, then build and run consumer.c (and eth_consumer.c,
# ticket::eth, and store_pg_consumer.c, ticket::store_pg) with find_package(ticket) and pkg-config. FLAGS (e.g.
# -fsanitize=address,undefined for a sanitizer build) go to both the
# compile and the link of every consumer.
set -eu
build=$1 src=$2 work=$3 cc=$4 flags=${5:-}
rm -rf "$work" && mkdir -p "$work"
prefix="$work/prefix"
cmake --install "$build" --prefix "$prefix" >"$work/install.log"

# 1. CMake consumer
mkdir -p "$work/cmake-src"
cp "$src/consumer.c" "$src/eth_consumer.c" "$src/store_pg_consumer.c" "$work/cmake-src/"
cat >"$work/cmake-src/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.21)
project(consumer C)
find_package(ticket 0.1 REQUIRED)
add_executable(consumer consumer.c)
target_link_libraries(consumer PRIVATE ticket::ticket)
add_executable(eth_consumer eth_consumer.c)
target_link_libraries(eth_consumer PRIVATE ticket::eth)
add_executable(store_pg_consumer store_pg_consumer.c)
target_link_libraries(store_pg_consumer PRIVATE ticket::store_pg)
CM
cmake -S "$work/cmake-src" -B "$work/cmake-build" -DCMAKE_C_COMPILER="$cc" \
      -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_C_FLAGS="$flags" \
      -DCMAKE_EXE_LINKER_FLAGS="$flags" >"$work/cmake.log"
cmake --build "$work/cmake-build" >>"$work/cmake.log"
"$work/cmake-build/consumer"
"$work/cmake-build/eth_consumer"
"$work/cmake-build/store_pg_consumer"

# 2. pkg-config consumer
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig:$prefix/lib/x86_64-linux-gnu/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
# shellcheck disable=SC2046,SC2086
"$cc" -std=c11 -Wall -Wextra -Werror $flags -o "$work/consumer-pc" "$src/consumer.c" \
  $(pkg-config --cflags --libs libticket)
"$work/consumer-pc"
# shellcheck disable=SC2046,SC2086
"$cc" -std=c11 -Wall -Wextra -Werror $flags -o "$work/eth-consumer-pc" \
  "$src/eth_consumer.c" $(pkg-config --cflags --libs libticket_eth)
"$work/eth-consumer-pc"
# shellcheck disable=SC2046,SC2086
"$cc" -std=c11 -Wall -Wextra -Werror $flags -o "$work/store-pg-consumer-pc" \
  "$src/store_pg_consumer.c" $(pkg-config --cflags --libs libticket_store_pg)
"$work/store-pg-consumer-pc"
echo "package consumer: find_package and pkg-config both ok"

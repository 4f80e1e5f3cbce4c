package bench

// The floor of every seawall row: one call from Go into C and back.

/*
static void sw_bench_nop(void) {}
*/
import "C"

func cgoNop() { C.sw_bench_nop() }

// The CBLAS interface of OpenBLAS, plus its thread-count controls. Imported by NN/BLAS.swift only.
#include <cblas.h>

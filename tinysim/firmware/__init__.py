"""Firmware sources (board ports, test firmwares, kernels, harness) and the cross-build driver
(`tinysim.firmware.build`)."""

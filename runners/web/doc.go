// Package web runs ONNX models in headless Chromium for hwcov's webgpu and
// webnn platforms, through onnxruntime-web, and reports outputs, timings,
// adapter and node placement.
//
// A Service is an HTTP server on 127.0.0.1 that hwcov starts next to a shard's
// Python workers (Service.Env gives them HWCOV_BROWSER_URL). A generated
// webgpu/webnn test exports its tiny model to ONNX and POSTs a Request to
// /api/<secret>/run; the service opens a page (/jobs/<token>/, served
// cross-origin isolated together with onnxruntime-web from node_modules) in a
// fresh browser context of the platform's browser, the page runs the model on
// the platform's execution provider with onnxruntime's verbose session log
// on, and POSTs outputs, timings and the node-placement lines back. The test
// compares the outputs with its CPU reference and fails when any node ran on
// another provider (ParsePlacement).
//
// One browser per platform, one test at a time: Debian's chromium with
// --enable-unsafe-webgpu for webgpu, the Chromium build of
// @sparticuz/chromium (unpacked by scripts/install-browsers.sh) with WebNN
// enabled for webnn. hwcov drives them over the DevTools protocol on the pipe
// transport (--remote-debugging-pipe): it owns the browser's process group,
// so a test past its timeout has the browser killed (status timeout) and a
// browser that dies (status crash) is noticed at once; either way the next
// test starts a fresh browser and the shard goes on.
//
// Probe tells `hwcov hardware detect` which platforms can run here and with
// which adapter ("webgpu (SwiftShader CPU adapter)").
package web

"""hwcov_harness.browser against a stand-in service (an http.server on loopback): no browser needed."""

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from hwcov_harness import browser, harness

np = pytest.importorskip("numpy")


class Service:
    """Answers POST /api/s/run with whatever `reply` returns for the request."""

    def __init__(self, reply):
        self.reply = reply
        self.requests = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.requests.append(body)
                code, answer = outer.reply(body)
                data = answer.encode() if isinstance(answer, str) else json.dumps(answer).encode()
                self.send_response(code)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/api/s"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def service():
    made = []

    def make(reply):
        s = Service(reply)
        made.append(s)
        return s

    yield make
    for s in made:
        s.close()


def echo(req):
    outputs = [dict(t, name="y") for t in req["inputs"]]
    return 200, {
        "status": "ok", "platform": req["platform"], "outputs": outputs, "samples_ms": [1.0, 3.0],
        "adapter_label": "webgpu (SwiftShader CPU adapter)",
        "placement": {"logged": True, "providers": {"JsExecutionProvider": 3}, "expected": ["JsExecutionProvider"]},
    }


def test_round_trip(service, tmp_path):
    s = service(echo)
    model = tmp_path / "m.onnx"
    model.write_bytes(b"onnx")
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    r = browser.run("webgpu", str(model), {"x": x}, test_id="t", warmup=2, iterations=4, timeout_s=9, url=s.url)
    np.testing.assert_array_equal(r["outputs"]["y"], x)
    sent = s.requests[0]
    assert sent["model"] == str(model) and sent["warmup"] == 2 and sent["iterations"] == 4 and sent["timeout_s"] == 9
    assert sent["inputs"][0] == {"name": "x", "dtype": "float32", "shape": [2, 3], "data": base64.b64encode(x.tobytes()).decode()}
    browser.check_placement(r)  # all on JsExecutionProvider


@pytest.mark.parametrize("array", [
    np.array([[1, -2]], dtype=np.int64), np.array([True, False]), np.zeros((0, 2), np.float32), np.float16([1.5, 2.0]),
])
def test_encode_decode(array):
    t = browser.encode_tensor("a", array)
    back = browser.decode_tensor(t)
    assert back.dtype == array.dtype and back.shape == array.shape
    np.testing.assert_array_equal(back, array)


def test_encode_rejects_unknown_dtype():
    with pytest.raises(browser.BrowserError, match="complex64"):
        browser.encode_tensor("c", np.zeros(2, np.complex64))


@pytest.mark.parametrize("status,exc", [
    ("timeout", browser.BrowserTimeout), ("crash", browser.BrowserCrash), ("fail", browser.BrowserError),
    ("unavailable", harness.Skip),
])
def test_statuses(service, tmp_path, status, exc):
    s = service(lambda req: (200, {"status": status, "error": f"webgpu: went {status}"}))
    with pytest.raises(exc, match=f"went {status}") as info:
        browser.run("webgpu", str(tmp_path / "m.onnx"), {}, url=s.url)
    if exc is not harness.Skip:
        assert info.value.status == (status if status != "fail" else "fail")


def test_bad_request_and_no_service(service, tmp_path):
    s = service(lambda req: (400, "run t: model is not an absolute path; Try: export first"))
    with pytest.raises(browser.BrowserError, match="rejected the request \\(400\\).*Try:"):
        browser.run("webnn", str(tmp_path / "m.onnx"), {}, url=s.url)
    with pytest.raises(browser.BrowserCrash, match="did not answer"):
        browser.run("webnn", str(tmp_path / "m.onnx"), {}, url="http://127.0.0.1:9/api/x", timeout_s=1)


def test_require_service_skips_with_how_to():
    with pytest.raises(harness.Skip, match="hwcov browser serve"):
        browser.require_service("webgpu", environ={})
    assert browser.require_service("webgpu", environ={"HWCOV_BROWSER_URL": "http://x/api/s/"}) == "http://x/api/s"


def test_check_placement_names_the_operators():
    response = {"platform": "webgpu", "placement": {
        "logged": True, "providers": {"CPUExecutionProvider": 3, "JsExecutionProvider": 90},
        "expected": ["JsExecutionProvider", "WebGpuExecutionProvider"], "fallback_count": 3,
        "fallback": [{"op": "ArgMax", "name": "node_argmax"}, {"op": "Cast", "name": "c1"}, {"op": "Cast", "name": "c2"}],
    }}
    with pytest.raises(browser.PlacementError) as info:
        browser.check_placement(response)
    msg = str(info.value)
    assert msg.startswith("ran on wasm, not webgpu: 3 of 93 nodes on CPUExecutionProvider")
    assert "ArgMax (node_argmax), Cast x2 (c1, c2)" in msg
    with pytest.raises(browser.PlacementError, match="no node placement"):
        browser.check_placement({"platform": "webnn", "placement": {"logged": False}})


def test_adopt_result_takes_browser_timings_and_statuses():
    r = harness.new_result()
    r.update(status="pass", samples_ms=[0.01, 0.01], execution_ms=0.01,
             extra={"browser": {"status": "ok", "samples_ms": [10.0, 20.0, 30.0]}})
    browser.adopt_result(r)
    assert r["samples_ms"] == [10.0, 20.0, 30.0] and r["execution_ms"] == 20.0
    assert r["extra"]["stats_ms"]["median"] == 20.0
    crashed = harness.new_result()
    crashed.update(status="fail", extra={"browser": {"status": "crash"}})
    assert browser.adopt_result(crashed)["status"] == "crash"

"""A stand-in of Tencent Cloud's SMS API (SendSms, 2021-01-11) on 127.0.0.1 for tests: it checks each request's
TC3-HMAC-SHA256 signature against the test secret and answers as Tencent does (success, a refused number)."""

import hashlib
import hmac
import json
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


@dataclass
class TencentSmsStandIn:
    secret_id: str = "AKIDtest0000000000000000000000000000"
    secret_key: str = "test-secret-key-0000000000000000"
    app_id: str = "1400000000"
    sent: list = field(default_factory=list)  # (phone, template, params)
    refused: set = field(default_factory=set)  # numbers answered with a failed status
    bad_signatures: int = 0

    def signature_ok(self, headers, body: bytes) -> bool:
        auth = headers.get("Authorization", "")
        if not auth.startswith("TC3-HMAC-SHA256 "):
            return False
        parts = dict(p.strip().split("=", 1) for p in auth[len("TC3-HMAC-SHA256 "):].split(","))
        secret_id, date, service, _ = parts["Credential"].split("/")
        if secret_id != self.secret_id:
            return False
        canonical = "\n".join(["POST", "/", "", f"content-type:{headers['Content-Type']}\nhost:{headers['Host']}\n",
                               "content-type;host", hashlib.sha256(body).hexdigest()])
        to_sign = "\n".join(["TC3-HMAC-SHA256", headers["X-TC-Timestamp"], f"{date}/{service}/tc3_request",
                             hashlib.sha256(canonical.encode()).hexdigest()])
        key = _hmac(_hmac(_hmac(("TC3" + self.secret_key).encode(), date), service), "tc3_request")
        return hmac.compare_digest(hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest(), parts["Signature"])

    def answer(self, headers, body: bytes) -> dict:
        request_id = str(uuid.uuid4())
        if not self.signature_ok(headers, body):
            self.bad_signatures += 1
            return {"Response": {"Error": {"Code": "AuthFailure.SignatureFailure", "Message": "签名错误"},
                                 "RequestId": request_id}}
        data = json.loads(body)
        if data.get("SmsSdkAppId") != self.app_id:
            return {"Response": {"Error": {"Code": "FailedOperation.InvalidSdkAppId", "Message": "SdkAppId 不存在"},
                                 "RequestId": request_id}}
        statuses = []
        for phone in data["PhoneNumberSet"]:
            if phone in self.refused:
                statuses.append({"SerialNo": "", "PhoneNumber": phone, "Fee": 0, "SessionContext": "",
                                 "Code": "InvalidParameterValue.IncorrectPhoneNumber", "Message": "手机号格式错误",
                                 "IsoCode": "CN"})
                continue
            self.sent.append((phone, data["TemplateId"], data.get("TemplateParamSet", [])))
            statuses.append({"SerialNo": uuid.uuid4().hex, "PhoneNumber": phone, "Fee": 1, "SessionContext": "",
                             "Code": "Ok", "Message": "send success", "IsoCode": "CN"})
        return {"Response": {"SendStatusSet": statuses, "RequestId": request_id}}


def serve(stand_in: TencentSmsStandIn):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            text = json.dumps(stand_in.answer(self.headers, body)).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(text)))
            self.end_headers()
            self.wfile.write(text)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"

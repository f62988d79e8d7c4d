"""A stand-in of the WeChat Pay API v3 on 127.0.0.1, for tests: it checks the merchant's request signatures with
the merchant's public key, answers create-order, query and close as WeChat does, signs every answer with its own
platform key, and builds signed, encrypted payment notifications. Keys are generated per test session."""

import base64
import json
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM


def _rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _pem_private(key) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def _pem_public(key) -> str:
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def _sign(key, text: str) -> str:
    return base64.b64encode(key.sign(text.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()


@dataclass
class WeChatPayStandIn:
    mchid: str = "1900000109"
    appid: str = "wx8888888888888888"
    apiv3_key: str = field(default_factory=lambda: secrets.token_hex(16))  # 32 characters
    serial: str = "3775B6A45ACD588826D15E583A95F5DD********"
    public_key_id: str = "PUB_KEY_ID_0114232134912410000000000000"
    merchant_key: object = field(default_factory=_rsa_key)
    platform_key: object = field(default_factory=_rsa_key)
    orders: dict = field(default_factory=dict)  # out_trade_no → order
    requests: list = field(default_factory=list)  # (method, path, signature_ok)
    refuse_next: int = 0  # answer the next N order creations with a 500

    def settings(self, base_url: str) -> dict:
        return {
            "WECHATPAY_MCHID": self.mchid, "WECHATPAY_APPID": self.appid, "WECHATPAY_APIV3_KEY": self.apiv3_key,
            "WECHATPAY_CERT_SERIAL_NO": self.serial, "WECHATPAY_PRIVATE_KEY": _pem_private(self.merchant_key),
            "WECHATPAY_PUBLIC_KEY": _pem_public(self.platform_key), "WECHATPAY_PUBLIC_KEY_ID": self.public_key_id,
            "WECHATPAY_API_BASE_URL": base_url, "WECHATPAY_TIMEOUT_SECONDS": 3.0,
        }

    # --- what WeChat signs ------------------------------------------------------------------------------------
    def signed_headers(self, body: str) -> dict:
        timestamp, nonce = str(int(time.time())), uuid.uuid4().hex.upper()
        return {"Wechatpay-Timestamp": timestamp, "Wechatpay-Nonce": nonce, "Wechatpay-Serial": self.public_key_id,
                "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048",
                "Wechatpay-Signature": _sign(self.platform_key, f"{timestamp}\n{nonce}\n{body}\n")}

    def transaction(self, out_trade_no: str, *, state: str = "SUCCESS", total: int | None = None,
                    mchid: str | None = None) -> dict:
        order = self.orders[out_trade_no]
        return {"mchid": mchid or self.mchid, "appid": self.appid, "out_trade_no": out_trade_no,
                "transaction_id": order.setdefault("transaction_id", f"4200{secrets.randbelow(10**24):024d}"),
                "trade_type": "MWEB", "trade_state": state, "success_time": "2026-12-04T12:00:00+08:00",
                "amount": {"total": order["amount"]["total"] if total is None else total, "currency": "CNY",
                           "payer_total": order["amount"]["total"] if total is None else total}}

    def notification(self, out_trade_no: str, **transaction) -> tuple[dict, bytes]:
        """A payment notification as WeChat posts it: (Django META headers, body)."""
        resource = json.dumps(self.transaction(out_trade_no, **transaction))
        nonce, associated = secrets.token_hex(6), "transaction"
        ciphertext = AESGCM(self.apiv3_key.encode()).encrypt(nonce.encode(), resource.encode(), associated.encode())
        body = json.dumps({
            "id": str(uuid.uuid4()), "create_time": "2026-12-04T12:00:00+08:00", "resource_type": "encrypt-resource",
            "event_type": "TRANSACTION.SUCCESS", "summary": "支付成功",
            "resource": {"original_type": "transaction", "algorithm": "AEAD_AES_256_GCM", "associated_data": associated,
                         "nonce": nonce, "ciphertext": base64.b64encode(ciphertext).decode()},
        })
        meta = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in self.signed_headers(body).items()}
        return meta, body.encode()

    # --- the merchant's requests ------------------------------------------------------------------------------
    def merchant_signature_ok(self, method: str, path: str, authorization: str, body: str) -> bool:
        if not authorization.startswith("WECHATPAY2-SHA256-RSA2048 "):
            return False
        parts = dict(item.split("=", 1) for item in authorization.split(" ", 1)[1].split(","))
        parts = {k: v.strip('"') for k, v in parts.items()}
        if parts.get("mchid") != self.mchid or parts.get("serial_no") != self.serial:
            return False
        message = f"{method}\n{path}\n{parts['timestamp']}\n{parts['nonce_str']}\n{body}\n"
        try:
            self.merchant_key.public_key().verify(base64.b64decode(parts["signature"]), message.encode(),
                                                  padding.PKCS1v15(), hashes.SHA256())
        except Exception:
            return False
        return True

    def answer(self, method: str, path: str, authorization: str, body: str) -> tuple[int, str]:
        ok = self.merchant_signature_ok(method, path, authorization, body)
        self.requests.append((method, path, ok))
        if not ok:
            return 401, json.dumps({"code": "SIGN_ERROR", "message": "签名错误"})
        if method == "POST" and path == "/v3/pay/transactions/h5":
            if self.refuse_next:
                self.refuse_next -= 1
                return 500, json.dumps({"code": "SYSTEM_ERROR", "message": "系统错误"})
            order = json.loads(body)
            self.orders[order["out_trade_no"]] = {**order, "state": "NOTPAY"}
            prepay = f"wx{uuid.uuid4().hex}"
            return 200, json.dumps({"h5_url": f"https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id={prepay}"})
        if method == "GET" and path.startswith("/v3/pay/transactions/out-trade-no/"):
            number = path.split("/")[-1].split("?")[0]
            if number not in self.orders:
                return 404, json.dumps({"code": "ORDER_NOT_EXIST", "message": "订单不存在"})
            return 200, json.dumps(self.transaction(number, state=self.orders[number]["state"]))
        if method == "POST" and path.endswith("/close"):
            number = path.split("/")[-2]
            if number in self.orders:
                self.orders[number]["state"] = "CLOSED"
            return 204, ""
        return 404, json.dumps({"code": "NOT_FOUND", "message": "无此接口"})


def serve(stand_in: WeChatPayStandIn):
    class Handler(BaseHTTPRequestHandler):
        def _handle(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else ""
            status, text = stand_in.answer(self.command, self.path, self.headers.get("Authorization", ""), body)
            self.send_response(status)
            for name, value in stand_in.signed_headers(text).items():  # WeChat signs every answer, empty too
                self.send_header(name, value)
            if text:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(text.encode())))
            self.end_headers()
            self.wfile.write(text.encode())

        do_GET = do_POST = _handle

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"

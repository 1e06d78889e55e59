# alpaca-py (the official Python Alpaca SDK) as an independent client of salvo's exchange: one JSON
# command per stdin line, one JSON answer per stdout line. Answers are alpaca-py's own models dumped
# to JSON, so every order the face returns must also parse as alpaca-py's Order, Position, ...
import json
import sys

from alpaca.common.exceptions import APIError
from alpaca.trading.client import TradingClient
from alpaca.trading.enums import OrderClass, OrderSide, TimeInForce
from alpaca.trading.requests import (
    ClosePositionRequest,
    MarketOrderRequest,
    ReplaceOrderRequest,
    StopLossRequest,
    StopOrderRequest,
    TakeProfitRequest,
    TrailingStopOrderRequest,
)

url, key, secret = sys.argv[1:4]
client = TradingClient(key, secret, paper=True, url_override=url)


def dump(value):
    if isinstance(value, list):
        return [dump(v) for v in value]
    return value.model_dump(mode="json") if hasattr(value, "model_dump") else value


def run(c):
    cmd = c["cmd"]
    side = OrderSide(c.get("side", "buy"))

    def terms():
        # what every order request names: its symbol, quantity and side
        return dict(symbol=c["symbol"], qty=c["qty"], side=side)

    if cmd == "bracket":
        return client.submit_order(
            MarketOrderRequest(
                **terms(),
                time_in_force=TimeInForce.DAY,
                order_class=OrderClass.BRACKET,
                take_profit=TakeProfitRequest(limit_price=c["take_profit"]),
                stop_loss=StopLossRequest(stop_price=c["stop_loss"]),
            )
        )
    if cmd == "market":
        return client.submit_order(MarketOrderRequest(**terms(), time_in_force=TimeInForce.DAY))
    if cmd == "stop":
        return client.submit_order(StopOrderRequest(**terms(), time_in_force=TimeInForce.GTC, stop_price=c["stop"]))
    if cmd == "trailing_stop":
        return client.submit_order(
            TrailingStopOrderRequest(**terms(), time_in_force=TimeInForce.GTC, trail_percent=c["trail_percent"])
        )
    if cmd == "replace":
        return client.replace_order_by_id(c["id"], ReplaceOrderRequest(qty=c["qty"], stop_price=c["stop"]))
    if cmd == "get":
        return client.get_order_by_id(c["id"])
    if cmd == "close":
        return client.close_position(c["symbol"], ClosePositionRequest(percentage=c["percentage"]))
    if cmd == "close_all":
        return [
            {"symbol": r.symbol, "status": r.status, "order": dump(r.body) if r.body else None}
            for r in client.close_all_positions(cancel_orders=True)
        ]
    if cmd == "positions":
        return client.get_all_positions()
    raise ValueError(f"unknown command {cmd}")


for line in sys.stdin:
    try:
        answer = {"ok": dump(run(json.loads(line)))}
    except APIError as e:
        answer = {"error": str(e), "status": e.status_code}
    except Exception as e:  # a model that does not parse is what this client is here to find
        answer = {"error": f"{type(e).__name__}: {e}"}
    print(json.dumps(answer), flush=True)

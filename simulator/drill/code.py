"""``%{ ... }%`` blocks: small Python over the socket's tcp_info.

packetdrill hands these blocks to a Python interpreter with every tcp_info
field and Linux's state constants bound. Here only a safe subset runs:
assignments, ``assert``, ``if``, arithmetic and comparisons, and the calls
abs/min/max/int/print; anything else is reported as unsupported. A field
netsim's tcp_info does not provide is an unsupported-field error, not a
pass.
"""

import ast

# Linux include/net/tcp_states.h, include/uapi/linux/tcp.h
LINUX_STATES = {"ESTABLISHED": 1, "SYN-SENT": 2, "SYN-RECEIVED": 3, "FIN-WAIT-1": 4,
                "FIN-WAIT-2": 5, "TIME-WAIT": 6, "CLOSED": 7, "CLOSE-WAIT": 8,
                "LAST-ACK": 9, "LISTEN": 10, "CLOSING": 11}
CONSTANTS = {
    "TCP_ESTABLISHED": 1, "TCP_SYN_SENT": 2, "TCP_SYN_RECV": 3, "TCP_FIN_WAIT1": 4,
    "TCP_FIN_WAIT2": 5, "TCP_TIME_WAIT": 6, "TCP_CLOSE": 7, "TCP_CLOSE_WAIT": 8,
    "TCP_LAST_ACK": 9, "TCP_LISTEN": 10, "TCP_CLOSING": 11,
    "TCP_CA_Open": 0, "TCP_CA_Disorder": 1, "TCP_CA_CWR": 2, "TCP_CA_Recovery": 3,
    "TCP_CA_Loss": 4,
    "TCPI_OPT_TIMESTAMPS": 1, "TCPI_OPT_SACK": 2, "TCPI_OPT_WSCALE": 4, "TCPI_OPT_ECN": 8,
    "TCPI_OPT_ECN_SEEN": 16, "TCPI_OPT_SYN_DATA": 32, "TCPI_OPT_USEC_TS": 64,
    "TCPI_OPT_TFO_CHILD": 128,
    "TCP_INFINITE_SSTHRESH": 0x7FFFFFFF,
}
_FUNCTIONS = {"abs": abs, "min": min, "max": max, "int": int}
_ALLOWED = (ast.Module, ast.Expr, ast.Assert, ast.Assign, ast.AugAssign, ast.If, ast.Pass,
            ast.Name, ast.Load, ast.Store, ast.Constant, ast.Compare, ast.BinOp, ast.UnaryOp,
            ast.BoolOp, ast.IfExp, ast.Call, ast.Tuple, ast.operator, ast.cmpop, ast.unaryop,
            ast.boolop, ast.JoinedStr, ast.FormattedValue)


class CodeError(Exception):
    """The block failed (``unsupported`` tells a construct netsim lacks from a failure)."""

    def __init__(self, message: str, unsupported: bool = False):
        super().__init__(message)
        self.unsupported = unsupported


def tcp_info_namespace(info: dict) -> dict:
    """tcp_info as packetdrill binds it: Linux numbering for tcpi_state."""
    names = dict(CONSTANTS)
    for key, value in info.items():
        if key == "tcpi_state" and not isinstance(value, int):
            value = LINUX_STATES[getattr(value, "value", str(value))]
        names[key] = value
    if "tcpi_options" not in names and "tcpi_options_ts" in names:   # netsim's split form
        names["tcpi_options"] = (names["tcpi_options_ts"] * CONSTANTS["TCPI_OPT_TIMESTAMPS"]
                                 | names.get("tcpi_options_sack", 0) * CONSTANTS["TCPI_OPT_SACK"]
                                 | bool(names.get("tcpi_snd_wscale") or names.get(
                                     "tcpi_rcv_wscale")) * CONSTANTS["TCPI_OPT_WSCALE"]
                                 | names.get("tcpi_options_syn_data", 0)
                                 * CONSTANTS["TCPI_OPT_SYN_DATA"])
    return names


def run_code(text: str, info: dict, output: list) -> None:
    """Run one block; raise CodeError on a failed assert or an unsupported construct."""
    try:
        tree = ast.parse(_dedent(text), mode="exec")
    except SyntaxError as error:
        raise CodeError(f"python syntax error: {error.msg}", unsupported=True) from None
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED):
            raise CodeError(f"unsupported python construct: {type(node).__name__}", True)
        if isinstance(node, ast.Call) and not (isinstance(node.func, ast.Name) and
                                               node.func.id in (*_FUNCTIONS, "print")):
            raise CodeError(f"unsupported python call: {ast.unparse(node.func)}", True)
    names = tcp_info_namespace(info)
    names.update(_FUNCTIONS)
    names["print"] = lambda *args: output.append(" ".join(map(str, args)))
    for statement in tree.body:
        _run_statement(statement, names)


def _run_statement(statement, names) -> None:
    for node in ast.walk(statement):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id not in names:
            raise CodeError(f"unsupported tcp_info field: {node.id}", unsupported=True)
    code = compile(ast.Module([statement], []), "<code>", "exec")
    try:
        exec(code, {"__builtins__": {}}, names)
    except AssertionError:
        values = sorted({n.id for n in ast.walk(statement)
                         if isinstance(n, ast.Name) and n.id.startswith("tcpi_")})
        detail = ", ".join(f"{name} = {names[name]}" for name in values)
        raise CodeError(f"assertion failed: {ast.unparse(statement.test)}"
                        + (f" ({detail})" if detail else "")) from None
    except (ArithmeticError, TypeError, ValueError) as error:
        raise CodeError(f"python error: {error}") from None


def _dedent(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    indent = min((len(line) - len(line.lstrip()) for line in lines), default=0)
    return "\n".join(line[indent:] for line in lines)

"""The sizes of a tiny model and the names config entries go by.

What shrink.py, shrink_fixes.py, geometry.py and inputs.py share: the widths of
each shrink level (LEVEL_SIZES), the largest model the ladder builds
(PARAMETER_BUDGET), the key names of hidden sizes, heads, layers... in
transformers' configs, and small readers of config values.
"""

# Sizes of a tiny model, in the spirit of transformers' own ModelTesters.
TINY_HIDDEN = 32
TINY_INTERMEDIATE = 64
TINY_HEADS = 4
TINY_KV_HEADS = 2
TINY_LAYERS = 2
TINY_VOCAB = 1024
TINY_EXPERTS = 4
TINY_EXPERTS_PER_TOKEN = 2
TINY_LORA_RANK = 16
TINY_ROPE_HEAD_DIM = 8
TINY_STATE = 16
MAX_IMAGE_SIZE = 1024  # larger images (Pixtral: 1540) are rendered at 224: divisible by patch sizes 14, 16, 32
TINY_IMAGE_SIZE = 224
MAX_POSITIONS_CAP = 2048
MAX_SOURCE_POSITIONS = 256  # Whisper-style encoders take exactly 2x this many frames

# The shrink ladder: when the tiny model cannot be built or run, a larger one is tried.
# tiny and small shrink every width; capped keeps the config's default widths and only
# caps depth, experts and positions. None means "keep the default".
SHRINK_LEVELS = ("tiny", "small", "capped")
LEVEL_SIZES = {
    "tiny": {"hidden": TINY_HIDDEN, "ffn": TINY_INTERMEDIATE, "heads": TINY_HEADS, "kv_heads": TINY_KV_HEADS,
             "layers": TINY_LAYERS, "vocab": TINY_VOCAB, "experts": TINY_EXPERTS,
             "experts_per_token": TINY_EXPERTS_PER_TOKEN, "lora": TINY_LORA_RANK, "rope": TINY_ROPE_HEAD_DIM,
             "state": TINY_STATE, "dim_list": 64},
    "small": {"hidden": 128, "ffn": 256, "heads": 8, "kv_heads": 4, "layers": TINY_LAYERS, "vocab": 4096,
              "experts": 8, "experts_per_token": TINY_EXPERTS_PER_TOKEN, "lora": 64, "rope": 32, "state": 64,
              "dim_list": 256},
    "capped": {"hidden": None, "ffn": None, "heads": None, "kv_heads": None, "layers": TINY_LAYERS, "vocab": None,
               "experts": 8, "experts_per_token": None, "lora": None, "rope": None, "state": None, "dim_list": None},
}  # fmt: skip
# The largest model the ladder builds at its last level (fp32 parameters); past it the test
# fails with the estimate instead of running a full-size model on a platform sized for tiny ones.
PARAMETER_BUDGET = 100_000_000
TIME_SERIES_PREDICTION_LENGTH = 8  # what a shrunk config without a prediction_length forecasts


# Names of the config entries that hold each kind of dimension.
_HIDDEN_KEYS = {
    "hidden_size", "d_model", "n_embd", "embed_dim", "dim", "hidden_dim", "model_dim", "d_embed",
    "emb_dim", "embedding_dim", "embedding_size", "projection_dim", "proj_dim", "projection_size",
    "word_embed_proj_dim", "d_inner_hidden",
}  # fmt: skip
_HIDDEN_SUFFIXES = ("_hidden_size", "_embed_dim", "_hidden_dim", "_projection_dim", "_embedding_dim")
_FFN_KEYS = {"intermediate_size", "d_ff", "n_inner", "ffn_dim", "mlp_dim", "ffn_hidden_size", "d_inner"}
_FFN_SUFFIXES = ("_intermediate_size", "_ffn_dim")
_HEAD_KEYS = {"num_attention_heads", "n_head", "n_heads", "num_heads", "encoder_attention_heads",
              "decoder_attention_heads", "attention_heads"}  # fmt: skip
_HEAD_SUFFIXES = ("_attention_heads",)
_KV_HEAD_KEYS = {"num_key_value_heads", "num_kv_heads", "n_kv_heads", "multi_query_group_num"}
_LAYER_KEYS = {"num_hidden_layers", "num_layers", "n_layer", "n_layers", "encoder_layers", "decoder_layers",
               "num_decoder_layers", "num_encoder_layers", "depth"}  # fmt: skip
_LAYER_SUFFIXES = ("_hidden_layers",)
_HEAD_DIM_KEYS = {"head_dim", "attention_head_size", "kv_channels", "attention_head_dim", "d_kv", "d_head"}
_EXPERT_KEYS = {"num_experts", "num_local_experts", "n_routed_experts", "moe_num_experts"}
_EXPERT_TOPK_KEYS = {"num_experts_per_tok", "moe_topk", "num_selected_experts"}
_LORA_KEYS = {"kv_lora_rank", "q_lora_rank"}
_ROPE_DIM_KEYS = {"qk_rope_head_dim", "qk_nope_head_dim", "v_head_dim"}
_POSITION_KEYS = {"max_position_embeddings", "n_positions", "n_ctx", "max_target_positions"}
_DIM_LIST_KEYS = {"hidden_sizes", "embed_dims", "dims", "conv_dim", "neck_hidden_sizes"}
_DEPTH_LIST_KEYS = {"depths"}


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _is_token_key(k):
    return isinstance(k, str) and k.endswith(("_token_id", "_token_index", "_token_ids"))


def _matches(key, names, suffixes=()):
    return key in names or any(key.endswith(s) for s in suffixes)


def _is_subconfig(v):
    return isinstance(v, dict) and "model_type" in v


def _first(d, keys):
    for k in keys:
        if _is_int(d.get(k)):
            return k, d[k]
    return None, None


def _get(config, *names, default=None):
    for n in names:
        try:
            v = getattr(config, n)
        except Exception:
            continue
        if v is not None:
            return v
    return default

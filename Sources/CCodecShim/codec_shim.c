#include "codec_shim.h"

// Opus
int tk_opus_encoder_set_bitrate(OpusEncoder *enc, opus_int32 bps) { return opus_encoder_ctl(enc, OPUS_SET_BITRATE(bps)); }
int tk_opus_encoder_get_bitrate(OpusEncoder *enc, opus_int32 *bps) { return opus_encoder_ctl(enc, OPUS_GET_BITRATE(bps)); }
int tk_opus_encoder_set_complexity(OpusEncoder *enc, opus_int32 complexity) { return opus_encoder_ctl(enc, OPUS_SET_COMPLEXITY(complexity)); }
int tk_opus_encoder_set_inband_fec(OpusEncoder *enc, opus_int32 on) { return opus_encoder_ctl(enc, OPUS_SET_INBAND_FEC(on)); }
int tk_opus_encoder_set_packet_loss_perc(OpusEncoder *enc, opus_int32 percent) { return opus_encoder_ctl(enc, OPUS_SET_PACKET_LOSS_PERC(percent)); }
int tk_opus_encoder_set_dtx(OpusEncoder *enc, opus_int32 on) { return opus_encoder_ctl(enc, OPUS_SET_DTX(on)); }
int tk_opus_encoder_get_lookahead(OpusEncoder *enc, opus_int32 *samples) { return opus_encoder_ctl(enc, OPUS_GET_LOOKAHEAD(samples)); }
int tk_opus_encoder_reset(OpusEncoder *enc) { return opus_encoder_ctl(enc, OPUS_RESET_STATE); }
int tk_opus_decoder_reset(OpusDecoder *dec) { return opus_decoder_ctl(dec, OPUS_RESET_STATE); }

// VP8 setup
vpx_codec_err_t tk_vp8_enc_config_default(vpx_codec_enc_cfg_t *cfg) { return vpx_codec_enc_config_default(vpx_codec_vp8_cx(), cfg, 0); }
vpx_codec_err_t tk_vp8_enc_init(vpx_codec_ctx_t *ctx, const vpx_codec_enc_cfg_t *cfg) { return vpx_codec_enc_init(ctx, vpx_codec_vp8_cx(), cfg, 0); }
vpx_codec_err_t tk_vp8_dec_init(vpx_codec_ctx_t *ctx, unsigned int threads) { vpx_codec_dec_cfg_t cfg = { threads, 0, 0 }; return vpx_codec_dec_init(ctx, vpx_codec_vp8_dx(), &cfg, 0); }

// VP8 controls
vpx_codec_err_t tk_vp8_set_cpuused(vpx_codec_ctx_t *ctx, int value) { return vpx_codec_control(ctx, VP8E_SET_CPUUSED, value); }
vpx_codec_err_t tk_vp8_set_static_threshold(vpx_codec_ctx_t *ctx, unsigned int value) { return vpx_codec_control(ctx, VP8E_SET_STATIC_THRESHOLD, value); }
vpx_codec_err_t tk_vp8_set_max_intra_bitrate_pct(vpx_codec_ctx_t *ctx, unsigned int value) { return vpx_codec_control(ctx, VP8E_SET_MAX_INTRA_BITRATE_PCT, value); }
vpx_codec_err_t tk_vp8_set_screen_content_mode(vpx_codec_ctx_t *ctx, unsigned int value) { return vpx_codec_control(ctx, VP8E_SET_SCREEN_CONTENT_MODE, value); }

// Constants
vpx_enc_frame_flags_t tk_vpx_eflag_force_kf(void) { return VPX_EFLAG_FORCE_KF; }
unsigned long tk_vpx_dl_realtime(void) { return VPX_DL_REALTIME; }

// Packet union
int tk_vpx_pkt_is_frame(const vpx_codec_cx_pkt_t *pkt) { return pkt->kind == VPX_CODEC_CX_FRAME_PKT; }
const uint8_t *tk_vpx_pkt_frame_buf(const vpx_codec_cx_pkt_t *pkt) { return (const uint8_t *)pkt->data.frame.buf; }
size_t tk_vpx_pkt_frame_size(const vpx_codec_cx_pkt_t *pkt) { return pkt->data.frame.sz; }
int tk_vpx_pkt_frame_is_key(const vpx_codec_cx_pkt_t *pkt) { return (pkt->data.frame.flags & VPX_FRAME_IS_KEY) != 0; }
int tk_vpx_pkt_frame_is_invisible(const vpx_codec_cx_pkt_t *pkt) { return (pkt->data.frame.flags & VPX_FRAME_IS_INVISIBLE) != 0; }
vpx_codec_pts_t tk_vpx_pkt_frame_pts(const vpx_codec_cx_pkt_t *pkt) { return pkt->data.frame.pts; }

// Image
uint8_t *tk_vpx_img_plane(vpx_image_t *img, int plane) { return img->planes[plane]; }
int tk_vpx_img_stride(const vpx_image_t *img, int plane) { return img->stride[plane]; }
unsigned int tk_vpx_img_width(const vpx_image_t *img) { return img->d_w; }
unsigned int tk_vpx_img_height(const vpx_image_t *img) { return img->d_h; }
int tk_vpx_img_is_i420(const vpx_image_t *img) { return img->fmt == VPX_IMG_FMT_I420; }

// CCodecShim: plain C wrappers for the parts of libopus and libvpx that Swift
// cannot call directly (variadic ctl functions, init macros, the packet union).
// Swift code imports only this module; the library headers are included here
// textually so their declarations are not split across two Clang modules.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <opus/opus.h>
#include <vpx/vpx_encoder.h>
#include <vpx/vpx_decoder.h>
#include <vpx/vp8cx.h>
#include <vpx/vp8dx.h>

// MARK: - Opus encoder ctls (opus_encoder_ctl is variadic)

int tk_opus_encoder_set_bitrate(OpusEncoder *enc, opus_int32 bps);
int tk_opus_encoder_get_bitrate(OpusEncoder *enc, opus_int32 *bps);
int tk_opus_encoder_set_complexity(OpusEncoder *enc, opus_int32 complexity);
int tk_opus_encoder_set_inband_fec(OpusEncoder *enc, opus_int32 on);
int tk_opus_encoder_set_packet_loss_perc(OpusEncoder *enc, opus_int32 percent);
int tk_opus_encoder_set_dtx(OpusEncoder *enc, opus_int32 on);
int tk_opus_encoder_get_lookahead(OpusEncoder *enc, opus_int32 *samples);
int tk_opus_encoder_reset(OpusEncoder *enc);
int tk_opus_decoder_reset(OpusDecoder *dec);

// MARK: - VP8 encoder / decoder setup (macros in libvpx)

vpx_codec_err_t tk_vp8_enc_config_default(vpx_codec_enc_cfg_t *cfg);
vpx_codec_err_t tk_vp8_enc_init(vpx_codec_ctx_t *ctx, const vpx_codec_enc_cfg_t *cfg);
vpx_codec_err_t tk_vp8_dec_init(vpx_codec_ctx_t *ctx, unsigned int threads);

// MARK: - VP8 encoder controls (vpx_codec_control is a type-checked macro)

vpx_codec_err_t tk_vp8_set_cpuused(vpx_codec_ctx_t *ctx, int value);
vpx_codec_err_t tk_vp8_set_static_threshold(vpx_codec_ctx_t *ctx, unsigned int value);
vpx_codec_err_t tk_vp8_set_max_intra_bitrate_pct(vpx_codec_ctx_t *ctx, unsigned int value);
vpx_codec_err_t tk_vp8_set_screen_content_mode(vpx_codec_ctx_t *ctx, unsigned int value);

// MARK: - Constants that are macros with casts or shifts

vpx_enc_frame_flags_t tk_vpx_eflag_force_kf(void);
unsigned long tk_vpx_dl_realtime(void);

// MARK: - vpx_codec_cx_pkt_t union accessors

int tk_vpx_pkt_is_frame(const vpx_codec_cx_pkt_t *pkt);
const uint8_t *tk_vpx_pkt_frame_buf(const vpx_codec_cx_pkt_t *pkt);
size_t tk_vpx_pkt_frame_size(const vpx_codec_cx_pkt_t *pkt);
int tk_vpx_pkt_frame_is_key(const vpx_codec_cx_pkt_t *pkt);
int tk_vpx_pkt_frame_is_invisible(const vpx_codec_cx_pkt_t *pkt);
vpx_codec_pts_t tk_vpx_pkt_frame_pts(const vpx_codec_cx_pkt_t *pkt);

// MARK: - vpx_image_t accessors (planes/stride are C arrays)

uint8_t *tk_vpx_img_plane(vpx_image_t *img, int plane);
int tk_vpx_img_stride(const vpx_image_t *img, int plane);
unsigned int tk_vpx_img_width(const vpx_image_t *img);
unsigned int tk_vpx_img_height(const vpx_image_t *img);
int tk_vpx_img_is_i420(const vpx_image_t *img);

package spec

import (
	"errors"
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	tests := map[string]struct {
		want    time.Duration
		wantErr bool
		neg     bool
	}{
		"0":                    {want: 0},
		"0s":                   {want: 0},
		"90m":                  {want: 90 * time.Minute},
		"1h30m":                {want: 90 * time.Minute},
		"24h":                  {want: 24 * time.Hour},
		"+5s":                  {want: 5 * time.Second},
		"7d":                   {want: 7 * day},
		"0d":                   {want: 0},
		"1d12h":                {want: 36 * time.Hour},
		"2d30m15s":             {want: 2*day + 30*time.Minute + 15*time.Second},
		"106751d":              {want: 106751 * day},
		"-0s":                  {want: 0}, // zero, not negative
		"-0":                   {want: 0},
		"-0d":                  {want: 0},
		"-0d0h":                {want: 0},
		"+1d":                  {want: day},
		"-":                    {wantErr: true},
		"--1h":                 {wantErr: true},
		"+-1h":                 {wantErr: true},
		"-x":                   {wantErr: true},
		"-106752d":             {neg: true, wantErr: true},
		"-1ns":                 {neg: true, wantErr: true},
		"-1h":                  {neg: true, wantErr: true},
		"-7d":                  {neg: true, wantErr: true},
		"":                     {wantErr: true},
		"7":                    {wantErr: true},
		"7 days":               {wantErr: true},
		"1.5d":                 {wantErr: true},
		"d":                    {wantErr: true},
		"1h2d":                 {wantErr: true},
		"1d-1h":                {wantErr: true},
		"1dd":                  {wantErr: true},
		"106752d":              {wantErr: true}, // more than time.Duration holds
		"106751d23h":           {want: 106751*day + 23*time.Hour},
		"106751d24h":           {wantErr: true},
		"99999999999999999d":   {wantErr: true},
		"9999999999999999999h": {wantErr: true},
	}
	for in, tt := range tests {
		got, err := parseDuration(in)
		if tt.wantErr {
			if err == nil {
				t.Errorf("parseDuration(%q) = %v, want an error", in, got)
			}
			if tt.neg != errors.Is(err, errNegativeDuration) {
				t.Errorf("parseDuration(%q) error %v: negative = %v, want %v", in, err, errors.Is(err, errNegativeDuration), tt.neg)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("parseDuration(%q) = %v, %v; want %v", in, got, err, tt.want)
		}
	}
}
